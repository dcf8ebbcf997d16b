/**
 * A learner's node, from the text in the editor to code the worker can run: TypeScript's
 * types stripped and its imports made calls to `require` (sucrase, which keeps every line
 * where it was, so an error's line is the learner's line), then a deadline check put at the
 * start of every function and every loop body (acorn), on the same line as what it guards.
 * The worker sets the deadline before each call into the program: a loop that never ends
 * stops at its next turn with the line it was on.
 *
 * Why TypeScript in the browser, and why sucrase: the interface, the template and the guide
 * (docs/NODE-PROGRAMS.md) are written in TypeScript, and a learner should be able to paste
 * what they read. sucrase only removes types (it checks none, as the page says), and it keeps
 * every line where it was, so no source map is needed to name the learner's line. It is
 * bundled into the worker alone, with acorn and the core (about 130 kB gzipped, loaded the
 * first time a program is attached or checked), never into a page's first scripts.
 */
import { parse, type Node } from 'acorn';
import { transform } from 'sucrase';

/** The name of the deadline check the compiled code calls; a learner's name that collides is refused. */
export const DEADLINE_CHECK = '__deadline';

/** A program's text may be this long. */
export const SOURCE_CHARS_MAX = 100_000;

export type Compiled = { readonly ok: true; readonly code: string } | { readonly ok: false; readonly line: number | null; readonly message: string };

interface Insert {
  readonly at: number;
  readonly text: string;
}

const LOOPS = new Set(['WhileStatement', 'DoWhileStatement', 'ForStatement', 'ForInStatement', 'ForOfStatement']);
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/** Compiles the learner's TypeScript or JavaScript; a problem names the line, as the editor numbers it. */
export function compileNode(source: string): Compiled {
  if (source.length > SOURCE_CHARS_MAX) return { ok: false, line: null, message: `The program is ${source.length} characters long: keep it under ${SOURCE_CHARS_MAX}.` };
  if (source.includes(DEADLINE_CHECK)) return { ok: false, line: lineAt(source, source.indexOf(DEADLINE_CHECK)), message: `${DEADLINE_CHECK} is a name the sandbox uses: choose another.` };
  let js: string;
  try {
    js = transform(source, { transforms: ['typescript', 'imports'], production: true, disableESTransforms: true }).code;
  } catch (e) {
    return syntaxProblem(e);
  }
  let tree: Node;
  try {
    tree = parse(js, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: false });
  } catch (e) {
    return syntaxProblem(e);
  }
  const inserts: Insert[] = [];
  const check = `${DEADLINE_CHECK}();`;
  try {
    visit(tree, (node) => {
    if (node.type === 'ImportExpression') throw new CompileRefusal(lineAt(js, node.start), 'import() is not available: a node gets only the program interface and compareBallots.');
    if (LOOPS.has(node.type) || FUNCTIONS.has(node.type)) {
      const body = (node as unknown as { body: Node & { expression?: boolean } }).body;
      if (body.type === 'BlockStatement') inserts.push({ at: body.start + 1, text: check });
      else if (FUNCTIONS.has(node.type)) inserts.push({ at: body.start, text: `(${DEADLINE_CHECK}(), ` }, { at: body.end, text: ')' });
      else inserts.push({ at: body.start, text: `{${check}` }, { at: body.end, text: '}' });
      }
    });
  } catch (e) {
    return syntaxProblem(e);
  }
  // From the end, so that each position is still where acorn found it.
  inserts.sort((a, b) => b.at - a.at);
  let code = js;
  for (const i of inserts) code = code.slice(0, i.at) + i.text + code.slice(i.at);
  return { ok: true, code };
}

class CompileRefusal extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** Calls `f` on every node of the tree, parents first. */
function visit(node: Node, f: (n: Node) => void): void {
  f(node);
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const v of value) isNode(v) && visit(v, f);
    else if (isNode(value)) visit(value, f);
  }
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function syntaxProblem(e: unknown): Compiled {
  if (e instanceof CompileRefusal) return { ok: false, line: e.line, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  const at = /\((\d+):(\d+)\)\s*$/.exec(message);
  return { ok: false, line: at ? Number(at[1]) : null, message: message.replace(/\s*\(\d+:\d+\)\s*$/, '') };
}

/**
 * The learner's line in an error's stack: the first frame in code made by `new Function`
 * (`<anonymous>:LINE:COL`), less the lines the function's header adds (`headerLines`).
 */
export function learnerLine(stack: string | undefined, headerLines: number): number | null {
  const at = /<anonymous>:(\d+):\d+/.exec(stack ?? '');
  if (!at) return null;
  const line = Number(at[1]) - headerLines;
  return line >= 1 ? line : null;
}
