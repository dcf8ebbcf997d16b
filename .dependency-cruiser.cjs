/**
 * `npm run check:deps`: the import rules of the whole repository, checked by
 * dependency-cruiser over shared/, server/, client/ (with its .svelte files), scripts/ and
 * tests/. Type-only imports count, as do dynamic `import()`s. docs/DEVELOPING.md
 * ("Layers and the import check") says what the rules mean and what to do when one fails.
 */

/** The core's layers, bottom to top: each may import its own layer and those below, never one above. */
const LAYERS = [
  { name: 'ballots and messages', files: ['ballot', 'lost-reason', 'multi/types'] },
  { name: 'node programs', files: ['node', 'programs/', 'multi/kv', 'multi/programs'] },
  {
    name: "the room's data",
    files: ['settings', 'room-state', 'monitor', 'checkpoint-state', 'outlook', 'protocols/slots', 'protocols/kinds', 'protocols/types', 'message-label', 'multi/label', 'log-lines'],
  },
  {
    name: 'protocols',
    files: [
      'refusals',
      'multi/state',
      'multi/leader',
      'multi/monitor',
      'multi/apply',
      'multi/annotate',
      'multi/moments',
      'multi/decide',
      'protocols/single',
      'protocols/single-moments',
      'protocols/multi',
      'protocols/registry',
      'protocols/index',
    ],
  },
  { name: 'the room', files: ['room', 'annotate'] },
  { name: 'decide and evolve', files: ['decide', 'checkpoint-questions', 'log', 'bots', 'timelines'] },
  { name: 'checkpoints and the explorer', files: ['checkpoint', 'explore/'] },
];

/** Files every layer may import: they import nothing of the core themselves. */
const FOUNDATIONS = ['invariant', 'text'];

/** `room` is shared/src/room.ts; `explore/` is every file of shared/src/explore/. */
function pathOf(file) {
  const escaped = file.replace(/[.]/g, '\\.');
  return file.endsWith('/') ? `^shared/src/${escaped}` : `^shared/src/${escaped}\\.ts$`;
}

const layerRules = LAYERS.map((layer, i) => ({
  name: `core-layer-${layer.name.replace(/ /g, '-')}`,
  comment: `The core's layer "${layer.name}" imports a layer above it (see docs/DEVELOPING.md): move the code to the layer it belongs to, or pass what it needs in from above.`,
  severity: 'error',
  from: { path: layer.files.map(pathOf) },
  to: {
    path: '^shared/src/',
    pathNot: [...LAYERS.slice(0, i + 1).flatMap((l) => l.files), ...FOUNDATIONS].map(pathOf),
  },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Two or more modules import each other, directly or through others (type-only imports and dynamic import() too): move the code to the layer it belongs to.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shared-stays-pure',
      comment: 'shared/ is the pure core: it imports nothing from the server, the client, the scripts or the tests.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(server|client|scripts|tests)/' },
    },
    {
      name: 'server-apart-from-client',
      comment: 'The server and the web client meet only through shared/ (the protocol): neither imports the other.',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^(client|scripts|tests)/' },
    },
    {
      name: 'client-apart-from-server',
      comment: 'The server and the web client meet only through shared/ (the protocol): neither imports the other.',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^(server|scripts|tests)/' },
    },
    {
      name: 'resolvable',
      comment: 'An import the check cannot follow is an import whose circles it cannot see: fix the path (engine.io-client/polling is the client build\'s own name, client/lean-socket.ts).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '^engine\\.io-client/polling$' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    // Type-only imports are dependencies too: a circle of types is still a circle.
    tsPreCompilationDeps: true,
    // The workspaces' `exports` (`@toy-paxos/shared/protocol`), and the .svelte and .svelte.ts files imported without their extension.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.svelte', '.svelte.ts'],
    },
  },
};
