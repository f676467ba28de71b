// The engine's layering, checked on every import (after VS Code's code-layering rule): a file's layer is the folder
// it sits in, and each layer may import only the layers listed for it. Written here because no published ESLint rule
// knows these layers; `eslint-plugin-import`'s no-restricted-paths would need one zone per forbidden pair.
import { builtinModules } from 'node:module';
import { posix, relative, sep } from 'node:path';

const BELOW_SERVING = ['shared', 'kernel', 'lake', 'batch', 'speed', 'serving', 'generator'];

/** For each engine layer: the engine layers its production files may import (its own included). */
export const ENGINE_LAYERS = {
  shared: ['shared'],
  kernel: ['shared', 'kernel'],
  lake: ['shared', 'kernel', 'lake'],
  batch: ['shared', 'kernel', 'batch'],
  speed: ['shared', 'kernel', 'speed'],
  generator: ['shared', 'kernel', 'generator'],
  serving: ['shared', 'kernel', 'lake', 'batch', 'speed', 'serving'],
  service: [...BELOW_SERVING, 'service'],
  server: [...BELOW_SERVING, 'service', 'server'],
  cli: [...BELOW_SERVING, 'service', 'server', 'cli'],
  testing: [...BELOW_SERVING, 'service', 'server', 'cli', 'testing'],
};

const NODE_BUILTINS = new Set(builtinModules);

/** Where a repository path belongs: { area: 'engine', layer } , { area: 'renderer' }, … ; fixtures are read as the tree. */
export function placeOf(repoPath) {
  const path = repoPath.replace(/^eslint-rules\/fixtures\//, '');
  const engine = /^engine\/([^/]+)\//.exec(path);
  if (engine) return { area: 'engine', layer: engine[1] };
  const top = /^([^/]+)\//.exec(path);
  return { area: top ? top[1] : '' };
}

function isTest(path) {
  return /\.test\.ts$/.test(path);
}

export default {
  meta: {
    type: 'problem',
    docs: { description: "Imports follow the engine's layers; the renderer and the shared folder stay free of the engine." },
    schema: [],
    messages: {
      unknownLayer: "{{file}} is in engine/{{layer}}/, which is not one of the engine's layers (eslint-rules/layers.js).",
      layer: 'engine/{{from}} may not import engine/{{to}} ({{spec}}): {{from}} may import {{allowed}}.',
      renderer: 'The renderer may import only engine/shared, not {{target}} ({{spec}}).',
      sharedNode: 'engine/shared is imported by the renderer: no Node built-ins or DuckDB ({{spec}}).',
      testingInProduction:
        'engine/testing is test support and is not built: {{spec}} may be imported only by tests, e2e and bench.',
    },
  },
  create(context) {
    const cwd = context.cwd ?? process.cwd();
    const file = relative(cwd, context.filename).split(sep).join('/');
    const place = placeOf(file);
    const test = isTest(file);

    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (!spec.startsWith('.')) {
        if (place.area === 'engine' && place.layer === 'shared') {
          const bare = spec.replace(/^node:/, '').split('/')[0];
          if (spec.startsWith('node:') || NODE_BUILTINS.has(bare) || spec.startsWith('@duckdb/')) {
            context.report({ node, messageId: 'sharedNode', data: { spec } });
          }
        }
        return;
      }
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      const to = placeOf(target);
      if (place.area === 'renderer') {
        if (to.area === 'engine' && to.layer !== 'shared') {
          context.report({ node, messageId: 'renderer', data: { target: `engine/${to.layer}`, spec } });
        }
        return;
      }
      if (to.area === 'engine' && to.layer === 'testing' && !test && !['testing'].includes(place.layer ?? '')) {
        if (place.area === 'engine' || place.area === 'electron') {
          context.report({ node, messageId: 'testingInProduction', data: { spec } });
        }
        return;
      }
      if (place.area !== 'engine' || to.area !== 'engine' || test) return;
      const allowed = ENGINE_LAYERS[place.layer];
      if (!allowed) return; // reported once for the file, in Program
      if (!allowed.includes(to.layer)) {
        context.report({
          node,
          messageId: 'layer',
          data: { from: place.layer, to: to.layer, spec, allowed: allowed.join(', ') },
        });
      }
    }

    return {
      Program(node) {
        if (place.area === 'engine' && !ENGINE_LAYERS[place.layer]) {
          context.report({ node, messageId: 'unknownLayer', data: { file, layer: place.layer } });
        }
      },
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
