// Imported first by the CLI: quiet defaults for Powertools when running on a laptop (JSON logs
// at WARN, no EMF metric blobs on stdout, no X-Ray). Explicit settings in the environment win.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_DEV ??= 'false';
// Lambda runs nodejs22.x; locally Node 20 is supported by this SDK release, so its upgrade notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
