// The rooms of docs/architecture.md are lint rules: crossing one fails npm run lint.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/helper';

const eslint = new ESLint({ cwd: ROOT });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the rooms', () => {
  it.each([
    ['renderer/stores/x.ts', "import { HelperHost } from '../../electron/main/helper-host';", /never imports from electron/],
    ['renderer/panels/X.ts', "import { useClient } from '../client/current';", /go through actions\.ts/],
    ['renderer/components/X.ts', "import { setClient } from '../client/current';", /go through actions\.ts/],
    ['renderer/stores/x.ts', "import { useClient } from '../client/current';", /Stores hold state/],
    ['renderer/stores/x.ts', "import { request } from '../request';", /Stores hold state/],
    ['renderer/stores/x.ts', "import { layoutAll } from '../graph/layout';", /never import the canvas/],
    ['electron/helper/x.ts', "import { HelperHost } from '../main/helper-host';", /never imports Electron main/],
    ['electron/helper/actions/x.ts', "import { parseFlags } from '../../web/main';", /never imports Electron main, the web bridge/],
    ['electron/helper/x.ts', "import { app } from 'electron';", /no Electron/],
    ['shared/x.ts', "import { request } from '../renderer/request';", /imports nothing else of the project/],
  ])('%s: %s is refused', async (file, code, message) => {
    expect(await problems(file, `${code}\nexport const used = [${code.match(/\{ (\w+)/)?.[1]}];\n`)).toEqual([expect.stringMatching(message)]);
  });

  it('allow what the architecture allows', async () => {
    expect(await problems('renderer/stores/x.ts', "import { GraphCache } from '../model/graph';\nexport const used = [GraphCache];\n")).toEqual([]);
    expect(await problems('renderer/actions.ts', "import { request } from './request';\nexport const used = [request];\n")).toEqual([]);
    expect(await problems('electron/web/x.ts', "import { RpcRouter } from '../bridge/router';\nexport const used = [RpcRouter];\n")).toEqual([]);
  });
});
