import type { CliCommand } from '#infra/local/commands/command';
import { command as run } from '#infra/local/commands/run';

/** Every `finops` sub-command, in the order `finops help` lists them. */
export const commands: readonly CliCommand[] = [run];
