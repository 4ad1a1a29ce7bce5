import { command as anomalies } from '#infra/local/commands/anomalies';
import type { CliCommand } from '#infra/local/commands/command';
import { command as costs } from '#infra/local/commands/costs';
import { command as detect } from '#infra/local/commands/detect';
import { command as endpoints } from '#infra/local/commands/endpoints';
import { command as feedback } from '#infra/local/commands/feedback';
import { command as ingest } from '#infra/local/commands/ingest';
import { command as ingestK8s } from '#infra/local/commands/ingest-k8s';
import { command as restore } from '#infra/local/commands/restore';
import { command as rightsize } from '#infra/local/commands/rightsize';
import { command as run } from '#infra/local/commands/run';
import { command as score } from '#infra/local/commands/score';

/** Every `finops` sub-command, in the order `finops help` lists them. */
export const commands: readonly CliCommand[] = [
  run,
  ingest,
  costs,
  ingestK8s,
  detect,
  anomalies,
  feedback,
  score,
  rightsize,
  endpoints,
  restore,
];
