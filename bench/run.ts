// `npm run bench -- <name> [args]`: runs bench/<name>.ts, whose `main(args)` does the work.
import path from 'node:path';

async function run(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  if (!name || !/^[a-z0-9-]+$/.test(name)) {
    process.stderr.write('usage: npm run bench -- <name> [args]   (runs bench/<name>.ts, e.g. ingest)\n');
    process.exitCode = 2;
    return;
  }
  const module = (await import(path.join(__dirname, `${name}.ts`))) as {
    main?: (args: string[]) => Promise<void>;
  };
  if (typeof module.main !== 'function') throw new Error(`bench/${name}.ts does not export main(args)`);
  await module.main(args);
}

run().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
