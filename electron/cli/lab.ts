// npm run lab -- script FILE: prints the bash script of ip commands that builds a topology file.
import { readFileSync } from 'node:fs';
import { parseTopologyFile, scriptOf, TopologyFileError } from '../../shared/topology-file';

const USAGE = `Usage: npm run --silent lab -- script FILE
  script FILE   print a bash script of plain ip commands that builds the topology saved in FILE (YAML)`;

function main(argv: string[]): number {
  const [command, file] = argv;
  if (command === 'script' && file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      process.stderr.write(`cannot read ${file}: ${(error as Error).message}\n`);
      return 1;
    }
    try {
      process.stdout.write(scriptOf(parseTopologyFile(text)));
      return 0;
    } catch (error) {
      if (error instanceof TopologyFileError) {
        process.stderr.write(`${file}: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
