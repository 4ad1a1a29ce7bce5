import type { CliCommand } from '#infra/local/commands/command';

/** Every `finops` sub-command, in the order `finops help` lists them. */
export const commands: readonly CliCommand[] = [];
