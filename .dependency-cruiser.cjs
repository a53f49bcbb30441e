/**
 * The layers of agent/, bottom to top. A module may import its own layer and the layers below it, never a layer
 * above it nor a sibling on the same floor. Checked by `npm run lint` and by test/architecture/layers.test.ts.
 *
 *   7 commands/, cli.ts     what a user runs
 *   6 runtime/              composition: the pipeline, components with start/stop, run and replay
 *   5 io/ store/ outputs/   adapters: sockets and HTTP, SQLite, MQTT and Home Assistant, metrics
 *   4 security/ health/     pure policies and monitors
 *   3 protocol/ trace/      pure codecs: Shelly wire formats, the JSONL trace
 *   2 detect/               the pure detector
 *   1 config/               the schema every layer reads
 *   0 core/                 the ground floor: event vocabulary, logger interface, errors, storage failure
 */
const floors = [
  ['core'],
  ['config'],
  ['detect'],
  ['protocol', 'trace'],
  ['security', 'health'],
  ['io', 'store', 'outputs'],
  ['runtime'],
  ['commands'],
];

const layerRules = floors.flatMap((floor, rank) =>
  floor.map((layer) => {
    const forbidden = [...floor.filter((sibling) => sibling !== layer), ...floors.slice(rank + 1).flat()];
    return {
      name: `${layer}-imports-upward`,
      comment: `agent/${layer}/ is on floor ${rank}: it may import only lower floors (and itself)`,
      severity: 'error',
      from: { path: `^agent/${layer}/` },
      to: { path: `^agent/(${forbidden.join('|')})/|^agent/cli\\.ts$` },
    };
  }),
);

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'agent-imports-simulator',
      comment: 'the runtime never loads the simulator (only commands/ for demo, emulate and wiring check)',
      severity: 'error',
      from: { path: '^agent/', pathNot: '^agent/(commands/|cli\\.ts$)' },
      to: { path: '^simulator/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^(agent|simulator)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.build)/' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
  },
};
