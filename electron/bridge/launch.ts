// How the helper is started for each mode, as an argv (no shell).
import type { HelperMode } from '../../shared/protocol';
import { startHelperHops } from '../helper/start';
import type { HelperLaunch } from './supervisor';

export interface LaunchContext {
  /** The Node binary (or Electron's, run as Node). */
  node: string;
  /** The bundled helper script. */
  helperScript: string;
  /** Effective uid of the app. */
  uid: number;
  /** pkexec's path, when installed. */
  pkexec: string | null;
  /** The installed launcher the polkit action names (resources/netns-explorer-helper); null when running from source. */
  launcher: string | null;
  /** Running from an AppImage, whose mount root cannot read. */
  appImage: boolean;
  env: NodeJS.ProcessEnv;
}

export class LaunchError extends Error {}

/** A helper acting on a remote machine over SSH: it runs here as the user, so no pkexec is ever needed. */
export function remoteHelperLaunch(ssh: { destination: string; configFile: string | null; acceptKey?: string }, ctx: Pick<LaunchContext, 'node' | 'helperScript' | 'env'>): HelperLaunch {
  const args = [ctx.helperScript, `--ssh=${ssh.destination}`, ...(ssh.configFile ? [`--ssh-config=${ssh.configFile}`] : []), ...(ssh.acceptKey ? [`--ssh-accept-key=${ssh.acceptKey}`] : [])];
  return { command: ctx.node, args, env: ctx.env };
}

export function helperLaunch(mode: HelperMode, ctx: LaunchContext): HelperLaunch {
  const base = [ctx.helperScript, `--${mode}`];
  if (mode === 'lab' || ctx.uid === 0) {
    // Built here, the hops need no starter of the helper's: one Node process fewer for as long as the helper runs.
    const hops = (warn: (message: string) => void) => startHelperHops({ node: ctx.node, script: ctx.helperScript, mode, flags: [`--${mode}`], env: ctx.env, warn });
    return { command: ctx.node, args: base, env: ctx.env, hops };
  }
  if (!ctx.pkexec) throw new LaunchError('Host mode needs root, and pkexec (polkit) is not installed to ask for it. Install polkit, or start the app as root.');
  if (ctx.appImage) {
    throw new LaunchError(
      'Host mode cannot start from the AppImage: root cannot read its private mount, and an AppImage cannot install the polkit action. Install the .deb package for host mode, or start the AppImage as root.',
    );
  }
  // pkexec clears the environment: the launcher sets what the helper needs, and is what the polkit action authorises.
  const args = ctx.launcher ? [ctx.launcher, '--host'] : ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', ctx.node, ...base];
  return { command: ctx.pkexec, args: ['--disable-internal-agent', ...args], env: ctx.env, fatalExitCodes: [126, 127] };
}
