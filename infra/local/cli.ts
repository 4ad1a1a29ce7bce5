import './local-env';
import { type CliCommand, type CliIo, UsageError } from '#infra/local/commands/command';
import { commands } from '#infra/local/commands/index';

/** `finops <command> [args]`: the local entry point (also what `npm start` runs as `finops run`). */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(helpText(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr.write(`finops: unknown command ${JSON.stringify(name)}\n\n${helpText(commands)}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`usage: ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`finops ${name}: ${error.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`finops ${name}: ${message}\n`);
    return 1;
  }
}

function helpText(available: readonly CliCommand[]): string {
  const width = Math.max(...available.map((command) => command.name.length));
  const lines = available.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `usage: finops <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nfinops <command> --help shows a command's options.\n`;
}

if (require.main === module) {
  // `finops costs | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
  );
}
