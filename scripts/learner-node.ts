/**
 * Loads a learner's acceptor or proposer from a JavaScript or TypeScript file, for
 * `npm run check` and `npm run scenario -- --node FILE`: compiled with TypeScript's
 * transpileModule, run in a `node:vm` context of its own with no require, no process, no
 * timers, no eval and no network, and each call cut off after `STEPS_MAX` loop turns and
 * function calls (counted, not timed, so that the same program fails the same way on a busy
 * machine). The checks of what the program returns are the core's (`learnerPrograms`).
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename } from 'node:path';
import vm from 'node:vm';
import ts from 'typescript';
import { compareBallots, honestAcceptor, honestProposer, learnerPrograms, LearnerProgramError, sameBallot, type NodePrograms } from '@toy-paxos/shared';

/** What a learner's file may import from '@toy-paxos/shared': ballots, and the honest programs to build on. */
const SHARED = Object.freeze({ compareBallots, sameBallot, honestAcceptor, honestProposer });
const SHARED_NAME = '@toy-paxos/shared';

/** Loop turns and function calls one call of a program may make: far more than any acceptor needs, and a fraction of a second. */
export const STEPS_MAX = 5_000_000;
/** The time the file's own top-level code may take. */
const LOAD_MS_MAX = 1000;

/** A file that cannot be loaded or a program that broke the interface: `message` starts with `file:line:` where the line is known. */
export class LearnerFileError extends Error {
  override name = 'LearnerFileError';
}

/** A program ran past its budget of steps. */
class OutOfSteps extends Error {
  constructor() {
    super(`it ran for more than ${STEPS_MAX.toLocaleString('en')} loop turns and calls: is there a loop that never ends?`);
  }
}

/** A program's code ran when none of its calls was running: a promise's callback, run once its call had returned. */
class RanLate extends Error {
  constructor() {
    super("it ran after its call had returned (in a promise's callback?): do a call's work before it returns");
  }
}

// Such a callback stops with RanLate, which rejects a promise the program made and nobody awaits: the call that made it fails instead.
process.on('unhandledRejection', (reason) => {
  if (reason instanceof RanLate) return;
  throw reason;
});

/** Adds a call of `budget` at the top of every loop body and function body, so that a call of the program can be cut off. */
function budgetTransformer(budget: string, imports: { line: number; name: string }[]): ts.TransformerFactory<ts.SourceFile> {
  return (context) => (file) => {
    const f = context.factory;
    const tick = () => f.createExpressionStatement(f.createCallExpression(f.createIdentifier(budget), undefined, []));
    const withTick = (body: ts.Statement): ts.Statement => (ts.isBlock(body) ? f.updateBlock(body, [tick(), ...body.statements]) : f.createBlock([tick(), body], true));
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        imports.push({ line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1, name: node.moduleSpecifier.text });
      }
      const n = ts.visitEachChild(node, visit, context);
      if (ts.isForStatement(n)) return f.updateForStatement(n, n.initializer, n.condition, n.incrementor, withTick(n.statement));
      if (ts.isForOfStatement(n)) return f.updateForOfStatement(n, n.awaitModifier, n.initializer, n.expression, withTick(n.statement));
      if (ts.isForInStatement(n)) return f.updateForInStatement(n, n.initializer, n.expression, withTick(n.statement));
      if (ts.isWhileStatement(n)) return f.updateWhileStatement(n, n.expression, withTick(n.statement));
      if (ts.isDoStatement(n)) return f.updateDoStatement(n, withTick(n.statement), n.expression);
      if ((ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n)) && n.body) {
        return ts.isFunctionDeclaration(n)
          ? f.updateFunctionDeclaration(n, n.modifiers, n.asteriskToken, n.name, n.typeParameters, n.parameters, n.type, withTick(n.body) as ts.Block)
          : ts.isFunctionExpression(n)
            ? f.updateFunctionExpression(n, n.modifiers, n.asteriskToken, n.name, n.typeParameters, n.parameters, n.type, withTick(n.body) as ts.Block)
            : f.updateMethodDeclaration(n, n.modifiers, n.asteriskToken, n.name, n.questionToken, n.typeParameters, n.parameters, n.type, withTick(n.body!) as ts.Block);
      }
      if (ts.isArrowFunction(n)) {
        const body = ts.isBlock(n.body) ? withTick(n.body) : f.createBlock([tick(), f.createReturnStatement(n.body)], true);
        return f.updateArrowFunction(n, n.modifiers, n.typeParameters, n.parameters, n.type, n.equalsGreaterThanToken, body as ts.Block);
      }
      return n;
    };
    return ts.visitNode(file, visit) as ts.SourceFile;
  };
}

/** The learner's line of the first frame of `error`'s stack in their file, through the source map; null when there is none. */
function learnerLine(error: unknown, file: string, map: SourceMap): number | null {
  const stack = typeof error === 'object' && error !== null && 'stack' in error ? String((error as Error).stack) : '';
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  if (!m) return null;
  const entry = map.findEntry(Number(m[1]) - 1, Number(m[2]) - 1) as { originalLine?: number };
  return entry.originalLine === undefined ? null : entry.originalLine + 1;
}

/** A learner's file loaded: its programs, checked at every call, with errors that name the learner's line. */
export interface LearnerNode {
  readonly programs: NodePrograms;
  /** Which roles the file wrote (the others are the honest ones). */
  readonly roles: readonly ('acceptor' | 'proposer')[];
  /** `error` (thrown by a check or a scenario run with these programs) as a message with the learner's file and line; null when it is not the program's. */
  explain(error: unknown): string | null;
}

/**
 * Loads `files` (one file exporting `acceptor` and/or `proposer`, or an acceptor's file and a
 * proposer's): throws LearnerFileError with `file:line:` and what to do when one cannot be
 * compiled, imports something other than '@toy-paxos/shared', throws while it loads or
 * exports no program.
 */
export function loadLearnerNode(files: { readonly acceptor?: string; readonly proposer?: string; readonly both?: string }): LearnerNode {
  const exports: Record<string, unknown> = {};
  const maps = new Map<string, SourceMap>();
  const roles: ('acceptor' | 'proposer')[] = [];
  for (const [wanted, file] of Object.entries(files) as ['acceptor' | 'proposer' | 'both', string | undefined][]) {
    if (file === undefined) continue;
    const loaded = loadFile(file, maps);
    // A file of both roles passes on all it exports, so that an error can name what it found instead.
    const take = wanted === 'both' ? Object.keys(loaded) : [wanted];
    for (const key of take) if (loaded[key] !== undefined) exports[key] = loaded[key];
    if (wanted !== 'both' && loaded[wanted] === undefined) throw new LearnerFileError(`${file}: it exports no ${wanted}: write "export const ${wanted} = { ... }".`);
  }
  let programs: NodePrograms;
  try {
    programs = learnerPrograms(exports);
  } catch (e) {
    if (e instanceof LearnerProgramError) throw new LearnerFileError(`${Object.values(files).join(', ')}: ${e.message}`);
    throw e;
  }
  for (const role of ['acceptor', 'proposer'] as const) if (exports[role] !== undefined) roles.push(role);
  const explain = (error: unknown): string | null => {
    if (!(error instanceof LearnerProgramError)) return null;
    for (const [file, map] of maps) {
      const line = learnerLine(error.cause, file, map);
      if (line !== null) return `${file}:${line}: ${error.message}`;
    }
    return `${Object.values(files).join(', ')}: ${error.message}`;
  };
  return { programs, roles, explain };
}

/** Compiles and runs one file in a context of its own; its exports, each program's functions cut off after STEPS_MAX steps. */
function loadFile(file: string, maps: Map<string, SourceMap>): Record<string, unknown> {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LearnerFileError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let left = STEPS_MAX;
  // Whether one of the program's calls (or the file's loading) is running: code that runs otherwise ran late.
  let inCall = false;
  let late = false;
  const budget = () => {
    if (!inCall) {
      late = true;
      throw new RanLate();
    }
    if (--left < 0) throw new OutOfSteps();
  };
  const imports: { line: number; name: string }[] = [];
  const out = ts.transpileModule(source, {
    fileName: basename(file),
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: true },
    transformers: { before: [budgetTransformer('__paxosBudget', imports)] },
  });
  const problem = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (problem) {
    const line = problem.file && problem.start !== undefined ? problem.file.getLineAndCharacterOfPosition(problem.start).line + 1 : 1;
    throw new LearnerFileError(`${file}:${line}: ${ts.flattenDiagnosticMessageText(problem.messageText, '\n')}`);
  }
  const other = imports.find((i) => i.name !== SHARED_NAME);
  if (other) throw new LearnerFileError(`${file}:${other.line}: a node program can import only from '${SHARED_NAME}' (${Object.keys(SHARED).join(', ')}), not '${other.name}'.`);
  const map = new SourceMap(JSON.parse(out.sourceMapText!));
  maps.set(file, map);
  // No require (but the one for the shared module), process, timers or fetch: the context has only JavaScript's own objects (V8's console, which prints nothing), and no eval.
  // The context's promise callbacks run when `settle` is evaluated, right after each call, not once the whole search is over.
  const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate' });
  const settle = new vm.Script('');
  const module = { exports: {} as Record<string, unknown> };
  const require = (name: string) => {
    if (name === SHARED_NAME) return SHARED;
    throw new Error(`a node program can import only from '${SHARED_NAME}', not '${name}'`);
  };
  try {
    // The compiled code starts on the script's second line: the stack's line numbers are the map's plus one.
    const wrapped = new vm.Script(`(function (exports, require, module, __paxosBudget) {\n${out.outputText.replace(/\n\/\/# sourceMappingURL=.*$/, '')}\n})`, { filename: file, lineOffset: -1 });
    const run = wrapped.runInContext(context, { timeout: LOAD_MS_MAX }) as (...a: unknown[]) => void;
    left = STEPS_MAX;
    inCall = true;
    try {
      run(module.exports, require, module, budget);
    } finally {
      inCall = false;
    }
    settle.runInContext(context);
    if (late) throw new RanLate();
  } catch (e) {
    const line = learnerLine(e, file, map);
    const message = typeof e === 'object' && e !== null && 'message' in e ? String((e as Error).message) : String(e);
    throw new LearnerFileError(`${file}:${line ?? 1}: the file threw an error while it loaded: ${message}`);
  }
  // Each call of a program's functions starts with a full budget of steps.
  const budgeted = (p: unknown): unknown => {
    if (typeof p !== 'object' || p === null) return p;
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p)) {
      copy[k] =
        typeof v === 'function'
          ? function (this: unknown, ...args: unknown[]) {
              left = STEPS_MAX;
              inCall = true;
              let answer: unknown;
              try {
                answer = (v as (...a: unknown[]) => unknown).apply(this, args);
              } finally {
                inCall = false;
              }
              settle.runInContext(context);
              if (late) throw new RanLate();
              return answer;
            }
          : v;
    }
    return copy;
  };
  const e = module.exports;
  return { ...e, acceptor: budgeted(e.acceptor), proposer: budgeted(e.proposer) };
}
