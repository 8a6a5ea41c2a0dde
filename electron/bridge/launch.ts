// How the helper is started for each mode, as an argv (no shell).
import type { HelperMode } from '../../shared/protocol';
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
  env: NodeJS.ProcessEnv;
}

export class LaunchError extends Error {}

export function helperLaunch(mode: HelperMode, ctx: LaunchContext): HelperLaunch {
  const base = [ctx.helperScript, `--${mode}`];
  if (mode === 'lab' || ctx.uid === 0) return { command: ctx.node, args: base, env: ctx.env };
  if (!ctx.pkexec) throw new LaunchError('Host mode needs root, and pkexec (polkit) is not installed to ask for it.');
  // pkexec clears the environment; the helper needs nothing from it but what its argv says.
  return { command: ctx.pkexec, args: ['--disable-internal-agent', ctx.node, ...base], env: ctx.env };
}
