import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { addFinopsStacks } from './finops-app';

// `npx cdk synth` entry point (cdk.json "app"). cdk-nag runs as policy-validation plugins: any
// unacknowledged finding fails synthesis.
const app = new App();
addFinopsStacks(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
app.synth();
