// npm run lab -- script FILE | apply FILE | shell [NAMESPACE]
// script needs nothing running; apply and shell reach the running app's lab
// through its control socket (a directory only this user can open).
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { RpcError } from '../../shared/protocol';
import { RpcClient } from '../../shared/rpc-client';
import { parseTopologyFile, planOf, scriptOf, TopologyFileError, type TopologyFile } from '../../shared/topology-file';
import { runningLabs, type Pointer } from '../helper/control';
import { lessonProblems } from '../../shared/lesson';

const USAGE = `Usage: npm run --silent lab -- COMMAND
  list                          list the running labs (app windows, npm run web), by id
  shell [--lab=ID] [NAMESPACE]  open a shell inside a running lab (in NAMESPACE, or the lab's host)
  apply [--lab=ID] FILE         build the topology in FILE in a running lab, step by step
  script FILE                   print a bash script of plain ip commands that builds the topology saved in FILE (YAML)
  check-lesson FILE...          check lesson files; prints FILE:LINE: message for each problem, exits 1 if there is any
With several labs running, shell and apply need --lab=ID.`;

/** Thrown for a wrong command line: usage or the list of labs goes to stderr, and the exit code is 2. */
class UsageError extends Error {}

const say = (text: string) => process.stderr.write(`${text}\n`);

function readTopology(file: string): TopologyFile {
  try {
    return parseTopologyFile(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof TopologyFileError) throw new Error(`${file}: ${error.message}`, { cause: error });
    throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function describeLab(lab: Pointer): string {
  const started = lab.startedAt ? new Date(lab.startedAt).toLocaleString() : 'unknown';
  return `${lab.pid}\tstarted ${started}`;
}

/** The lab to talk to: the one --lab names, or the only one running. */
function chooseLab(id: string | undefined): Pointer {
  const labs = runningLabs();
  if (!labs.length) throw new Error('No running Netns Explorer lab found: start the app (npm start) or npm run web -- --lab first.');
  if (id !== undefined) {
    const lab = labs.find((l) => String(l.pid) === id);
    if (!lab) throw new UsageError(`No running lab has id ${id}. Running labs:\n${labs.map(describeLab).join('\n')}`);
    return lab;
  }
  if (labs.length > 1) throw new UsageError(`${labs.length} labs are running; say which with --lab=ID:\n${labs.map(describeLab).join('\n')}`);
  return labs[0] as Pointer;
}

async function attach(id: string | undefined): Promise<{ client: RpcClient; socket: Socket }> {
  const pointer = chooseLab(id);
  const socket = connect(pointer.socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', () => reject(new Error(`The lab at ${pointer.socket} does not answer: is the app still running?`)));
  });
  const client = new RpcClient((text) => socket.write(`${text}\n`));
  // A lab that went away mid-call resets the socket; 'close' below tells the user, not a stack trace.
  createInterface({ input: socket })
    .on('line', (line) => client.receive(line))
    .on('error', () => socket.destroy());
  socket.on('close', () => client.disconnect('the lab closed the connection'));
  return { client, socket };
}

async function apply(file: string, lab: string | undefined): Promise<number> {
  const plan = planOf(readTopology(file));
  const { client, socket } = await attach(lab);
  client.on('command', (c) => say(`${c.exitCode === 0 ? '✓' : '✗'} ${c.argv.join(' ')}`));
  try {
    for (const { method, params } of plan) await client.call(method, params as never);
    say(`${file}: ${plan.length} steps, all done.`);
    return 0;
  } catch (error) {
    say(error instanceof RpcError ? `failed: ${error.message}` : String(error));
    return 1;
  } finally {
    socket.end();
  }
}

async function shell(namespace: string | undefined, lab: string | undefined): Promise<number> {
  const { client, socket } = await attach(lab);
  const size = () => ({ cols: Math.max(10, process.stdout.columns || 80), rows: Math.max(4, process.stdout.rows || 24) });
  const { terminalId } = await client.call('terminal.open', { namespace: namespace ?? null, ...size() });
  client.on('terminal.data', (d) => d.terminalId === terminalId && process.stdout.write(d.data));
  const exited = new Promise<number>((resolve) => client.on('terminal.exit', (e) => e.terminalId === terminalId && resolve(e.exitCode)));
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  process.stdin.on('data', (chunk: Buffer) => void client.call('terminal.write', { terminalId, data: chunk.toString() }).catch(() => undefined));
  process.stdout.on('resize', () => void client.call('terminal.resize', { terminalId, ...size() }).catch(() => undefined));
  const code = await Promise.race([exited, new Promise<number>((resolve) => socket.on('close', () => resolve(1)))]);
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  socket.end();
  process.stdin.pause();
  return code;
}

/** Checks lesson files the way the app does when it opens them; for instructors' own CI. */
function checkLessons(files: string[]): number {
  let problems = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      process.stdout.write(`${file}: cannot read: ${(error as Error).message}\n`);
      problems++;
      continue;
    }
    for (const problem of lessonProblems(text)) {
      process.stdout.write(`${file}:${problem.line ?? 1}: ${problem.message}\n`);
      problems++;
    }
  }
  return problems ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const labFlag = rest.find((a) => a.startsWith('--lab='));
  const lab = labFlag?.slice('--lab='.length);
  const args = rest.filter((a) => a !== labFlag);
  if (args.some((a) => a.startsWith('--'))) throw new UsageError(`unknown option ${args.find((a) => a.startsWith('--'))}\n${USAGE}`);
  const [arg] = args;
  if (command === 'list' && !args.length) {
    const labs = runningLabs();
    process.stdout.write(labs.length ? `${labs.map(describeLab).join('\n')}\n` : '');
    if (!labs.length) say('No running Netns Explorer lab.');
    return 0;
  }
  if (command === 'check-lesson' && arg) return checkLessons(args);
  if (command === 'script' && arg && args.length === 1) {
    process.stdout.write(scriptOf(readTopology(arg)));
    return 0;
  }
  if (command === 'apply' && arg && args.length === 1) return apply(arg, lab);
  if (command === 'shell' && args.length <= 1) return shell(arg, lab);
  throw new UsageError(USAGE);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
