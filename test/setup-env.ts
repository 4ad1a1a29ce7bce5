// Tests run on Node 20 while Lambda runs nodejs22.x: silence the AWS SDK's upgrade notice and
// Powertools' EMF output so test logs show only what the tests print.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
