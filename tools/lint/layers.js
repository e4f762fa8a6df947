/**
 * The ESLint rule that keeps dependencies between the project's parts one way (README, "Layout"):
 * each part may import only the parts listed for it, so the product never reaches into the harness,
 * and the tools an operator runs never need a local stack.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Each part and what it may import besides itself; the order is the direction of dependency. */
export const LAYERS = [
  ['functions', []],
  ['template', ['functions']],
  ['tools', ['functions', 'template']],
  ['local/shared', ['functions']],
  ['local/genesys-sim', ['functions', 'tools', 'local/shared']],
  ['local/stack', ['functions', 'template', 'tools', 'local/shared', 'local/genesys-sim']],
  // The deploy check runs the template in moto's CloudFormation: it starts moto as the local stack does.
  ['local/deploy-check', ['functions', 'template', 'tools', 'local/shared', 'local/stack']],
  ['local/harness', ['functions', 'template', 'tools', 'local/shared', 'local/genesys-sim', 'local/stack']],
  ['bench', ['functions', 'template', 'tools', 'local/shared', 'local/genesys-sim', 'local/stack', 'local/harness']],
  ['tests', ['functions', 'template', 'tools', 'local/shared', 'local/genesys-sim', 'local/stack', 'local/deploy-check', 'local/harness', 'bench']],
];

/** The part a repository path belongs to; undefined outside them (data such as statemachine/ or events/). */
export function layerOf(path) {
  const posixPath = relative(ROOT, path).split(sep).join('/');
  return LAYERS.find(([name]) => posixPath === name || posixPath.startsWith(`${name}/`))?.[0];
}

/** @type {import('eslint').Rule.RuleModule} */
const oneWay = {
  meta: {
    type: 'problem',
    docs: { description: 'imports between the project parts run one way (README, "Layout")' },
    messages: { upward: '{{from}} may not import {{to}} ({{specifier}}): {{from}} may import only {{allowed}}' },
    schema: [],
  },
  create(context) {
    const from = layerOf(context.filename);
    if (from === undefined) return {};
    const allowed = LAYERS.find(([name]) => name === from)[1];
    const check = (node, source) => {
      if (typeof source?.value !== 'string' || !source.value.startsWith('.')) return;
      const to = layerOf(resolve(dirname(context.filename), source.value));
      if (to === undefined || to === from || allowed.includes(to)) return;
      context.report({
        node,
        messageId: 'upward',
        data: { from, to, specifier: source.value, allowed: allowed.length > 0 ? allowed.join(', ') : 'nothing outside itself' },
      });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
    };
  },
};

export default { rules: { 'one-way': oneWay } };
