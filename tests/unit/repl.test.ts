import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNotebookLine } from '../../scripts/notebook-lines';

const root = join(import.meta.dirname, '..', '..');

/** Types `lines` into the real REPL (`npm run repl` runs this script) and returns what it printed. */
function repl(lines: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/repl.ts'], { cwd: root, input: `${lines.join('\n')}\n`, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const nodeState = (name: string) =>
  `${name}(p: None, val: None, promisers: 0/3, promiser_acc_max: None, acceptors: 0/3, choice: None, acc_p: None, last_accepted())`;

describe("npm run repl takes the notebook's lines as the notebook writes them (SEED.md)", () => {
  it('runs the first example with quorum 3 honoured, saying once what each form means in JavaScript', () => {
    const r = repl([
      'node = PaxosNode("Node", quorum=3)',
      'another_node = PaxosNode("Another_Node", quorum=3)',
      'node.init_new_proposal()',
      'node.promise_request(another_node)',
    ]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        '// in JavaScript: node = new PaxosNode("Node", { quorum: 3 })',
        nodeState('Node'),
        nodeState('Another_Node'),
        '// in JavaScript: node.initNewProposal()',
        'NEW Proposal from Node(p: 1, val: None)',
        '// in JavaScript: node.promiseRequest(another_node)',
        // The notebook's first example, line for line.
        'PROMISE Request from Node(p: 1) to Another_Node(acc_p: None)',
        '    > [ACC] Promise(1, last_accepted()), Node(promisers: 1, quorum_size: 3, promiser_acc_max: None)',
        '',
      ].join('\n'),
    );
  }, 60_000);

  it('runs the second example: node.accept_request(another_node) reaches the quorum of 3 and chooses Mango', () => {
    const r = repl([
      'node = PaxosNode("Node", quorum=3)',
      'another_node = PaxosNode("Another_Node", quorum=3)',
      'third = PaxosNode("Third", quorum=3)',
      'rival = PaxosNode("Rival", quorum=1)', // earlier, Rival got Mango accepted by Third
      'rival.init_new_proposal("Mango")',
      'rival.promise_request(third)',
      'rival.accept_request(third)',
      'node.init_new_proposal("Apple")',
      'node.promise_request(another_node)',
      'node.promise_request(third)',
      'node.promise_request(node)',
      'node.accept_request(third)',
      'node.accept_request(node)',
      'node.accept_request(another_node)',
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /\nACCEPT {2}Request from Node\(p: 1, val: Apple, promiser_acc_max: Mango\) to Another_Node\(acc_p: 1\)\n {4}> \[ACC\] Accept\(1, Mango\), Node\(acceptors: 3, quorum_size: 3, choice: Mango\)\n$/,
    );
  }, 60_000);

  it('refuses each line it cannot run with one sentence that says what to write, and no stack trace', () => {
    // Each line typed, then what the REPL prints for it.
    const cases: [string, ...string[]][] = [
      ['a = new PaxosNode("A", { quorom: 3 })', "PaxosNode has no option 'quorom': did you mean quorum? Write new PaxosNode('A', { quorum: 3 })"],
      ['node.promiseRequest("Another_Node")', "promiseRequest takes the PaxosNode itself, not its name 'Another_Node': write node.promiseRequest(another_node)"],
      // The first snake_case name is shown in JavaScript once, then run: the core refuses it.
      [
        'node.promise_request("Third")',
        '// in JavaScript: node.promiseRequest("Third")',
        "promiseRequest takes the PaxosNode itself, not its name 'Third': write node.promiseRequest(another_node), with another_node = new PaxosNode('Third', { quorum: 3 })",
      ],
      ['node.promiseRequest()', 'promiseRequest needs the node to ask: write node.promiseRequest(another_node), with another_node a PaxosNode.'],
      ['node.initNewProposal(42)', "initNewProposal takes a value as text, not the number 42: write initNewProposal('42')"],
      ['b = new PaxosNode("Bad Name!", { quorum: 3 })', "'Bad Name!' is not a node name: use a letter then letters, digits, _ or -, up to 24 characters; write new PaxosNode('Bad_Name', { quorum: 3 })"],
      ['c = new PaxosNode("C", 3)', "PaxosNode's options are an object, not the number 3: write new PaxosNode('C', { quorum: 3 })"],
      ['d = new PaxosNode()', "A PaxosNode needs a name: write new PaxosNode('Node', { quorum: 3 })"],
      ['node.init_new_proposal(value="Apple")', 'JavaScript has no keyword arguments (value="Apple" would set a variable named value), so write the values in order: node.initNewProposal("Apple")'],
      ['e = PaxosNode(quorum=3, "E")', 'Keyword arguments come after the others, as in Python: write e = new PaxosNode("E", { quorum: 3 })'],
      ['nod.promiseRequest(another_node)', 'ReferenceError: nod is not defined'],
      // With new but a keyword quorum, as a reader half-translates the notebook: quorum 3, not a majority.
      ['f = new PaxosNode("F", quorum=3)', '// in JavaScript: f = new PaxosNode("F", { quorum: 3 })', nodeState('F')],
    ];
    const r = repl(['node = new PaxosNode("Node", { quorum: 3 })', 'another_node = new PaxosNode("Another_Node", { quorum: 3 })', ...cases.map(([line]) => line)]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').slice(2, -1)).toEqual(cases.flatMap(([, ...printed]) => printed));
    expect(r.stdout).not.toMatch(/Uncaught|\n\s+at |\/shared\/src\//);
  }, 60_000);
});

describe('readNotebookLine', () => {
  const noVariables = () => null;

  it('rewrites the notebook forms wherever they stand, and leaves JavaScript and strings alone', () => {
    expect(readNotebookLine('x = [PaxosNode("A"), PaxosNode(name="B", q1=2, q2=3)].map((n) => n.init_new_proposal("v"))', noVariables)).toEqual({
      ok: true,
      code: 'x = [new PaxosNode("A"), new PaxosNode("B", { q1: 2, q2: 3 })].map((n) => n.initNewProposal("v"))',
      forms: ['new', 'keywords', 'init_new_proposal'],
    });
    const plain = "s = 'PaxosNode(\"x\", quorum=3)'; node.promiseRequest(other)";
    expect(readNotebookLine(plain, noVariables)).toEqual({ ok: true, code: plain, forms: [] });
  });

  it('keeps the options of an object given with keywords in the line it asks for', () => {
    expect(readNotebookLine('PaxosNode("Node", { ballots: "unique" }, quorum=3)', noVariables)).toEqual({
      ok: false,
      sentence: 'Give PaxosNode its options as keywords or as one object, not both: write new PaxosNode("Node", { ballots: "unique", quorum: 3 })',
    });
  });
});
