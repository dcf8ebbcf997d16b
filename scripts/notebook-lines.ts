/**
 * The notebook's Python lines, read before the REPL runs them. A notebook reader types
 * `node = PaxosNode("Node", quorum=3)` and `node.promise_request(another_node)`; as
 * JavaScript the first calls a class without `new` and assigns 3 to a variable `quorum`,
 * and the second calls a method that does not exist. Each such form is rewritten to the
 * JavaScript that means the same, or, when no faithful rewrite exists, refused with the
 * exact line to type instead.
 */
import ts from 'typescript';

/** The notebook's method names and the core's. */
const SNAKE_METHODS: Readonly<Record<string, string>> = {
  init_new_proposal: 'initNewProposal',
  promise_request: 'promiseRequest',
  accept_request: 'acceptRequest',
};

/** A Python form that was rewritten: `PaxosNode(...)` without `new`, keyword arguments, or a notebook method name. */
export type NotebookForm = 'new' | 'keywords' | keyof typeof SNAKE_METHODS;

export type NotebookLine =
  /** `code` is what to run: the line itself, or its JavaScript when `forms` is not empty. */
  | { readonly ok: true; readonly code: string; readonly forms: readonly NotebookForm[] }
  /** A sentence that ends with the line to type. */
  | { readonly ok: false; readonly sentence: string };

/**
 * Reads one REPL input. `nodeVariable(name)` names a variable that holds the PaxosNode
 * called `name`, if there is one, so that `promiseRequest("Another_Node")` can be answered
 * with the line that passes the node itself.
 */
export function readNotebookLine(code: string, nodeVariable: (name: string) => string | null): NotebookLine {
  const file = ts.createSourceFile('line.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const forms = new Set<NotebookForm>();
  // Why the line cannot run as written, with the rewritten line to quote; the first found wins.
  // (Cast, so that TypeScript does not narrow it to null: it is set inside the closures below.)
  let refusal = null as ((line: string) => string) | null;
  const refuse = (why: (line: string) => string) => {
    refusal ??= why;
  };

  /** The node's source with every form inside it rewritten. */
  function text(node: ts.Node): string {
    if (ts.isIdentifier(node) && ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) {
      const camel = SNAKE_METHODS[node.text];
      if (camel) {
        forms.add(node.text as NotebookForm);
        return camel;
      }
    }
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const call = rewriteCall(node);
      if (call !== null) return call;
    }
    return splice(node);
  }

  /** The node's source with its children's rewrites in place. */
  function splice(node: ts.Node): string {
    const start = node === file ? 0 : node.getStart(file);
    let pos = start;
    let out = '';
    for (const child of node.getChildren(file)) {
      const childStart = child.getStart(file);
      if (childStart < pos) continue; // a JSDoc comment, already in the text
      out += code.slice(pos, childStart) + text(child);
      pos = child.getEnd();
    }
    return out + code.slice(pos, node === file ? code.length : node.getEnd());
  }

  /**
   * A call with keyword arguments, `PaxosNode(...)` without `new`, or a request given a
   * node's name, rewritten; else null (nothing to rewrite at this call itself).
   */
  function rewriteCall(node: ts.CallExpression | ts.NewExpression): string | null {
    const args = node.arguments ? [...node.arguments] : [];
    const keywords = args.filter(isKeyword);
    const isPaxosNode = ts.isIdentifier(node.expression) && node.expression.text === 'PaxosNode';
    if (isPaxosNode) return rewritePaxosNode(node, args, keywords);

    const asName = nodeGivenByName(node, args);
    if (keywords.length === 0 && asName === null) return null;
    const callee = text(node.expression);
    if (asName !== null) {
      refuse((line) => `${asName.method} takes the PaxosNode itself, not its name '${asName.name}': write ${line}`);
      return `${callee}(${asName.variable})`;
    }
    // Only PaxosNode takes keywords in the notebook; elsewhere the values go in order.
    const k = keywords[0]!;
    refuse(
      (line) =>
        `JavaScript has no keyword arguments (${k.left.text}=${k.right.getText(file)} would set a variable named ${k.left.text}), ` +
        `so write the values in order: ${line}`,
    );
    const values = args.map((a) => (isKeyword(a) ? text(a.right) : text(a)));
    return `${ts.isNewExpression(node) ? 'new ' : ''}${callee}(${values.join(', ')})`;
  }

  /** `PaxosNode("Node", quorum=3)` as `new PaxosNode("Node", { quorum: 3 })`. */
  function rewritePaxosNode(node: ts.CallExpression | ts.NewExpression, args: ts.Expression[], keywords: Keyword[]): string | null {
    if (ts.isCallExpression(node)) forms.add('new');
    if (keywords.length === 0) return ts.isCallExpression(node) ? `new ${splice(node)}` : null;
    forms.add('keywords');
    const positional = args.filter((a) => !isKeyword(a));
    if (positional.some((a) => args.indexOf(a) > args.indexOf(keywords[0]!))) {
      refuse((line) => `Keyword arguments come after the others, as in Python: write ${line}`);
    }
    // `name=` is the first parameter; every other keyword is an option.
    const name = keywords.find((k) => k.left.text === 'name');
    const options = keywords.filter((k) => k !== name);
    if (name && positional.length > 0) refuse((line) => `The name is given twice: write ${line}`);
    const first = positional[0] ?? name?.right;
    const entries = options.map((k) => `${k.left.text}: ${text(k.right)}`);
    const object = positional[1];
    if (object) {
      refuse((line) => `Give PaxosNode its options as keywords or as one object, not both: write ${line}`);
      // The object's own options join the keywords', so the line to write keeps them all.
      if (ts.isObjectLiteralExpression(object)) entries.unshift(...object.properties.map(text));
    }
    return `new PaxosNode(${[...(first ? [text(first)] : []), `{ ${entries.join(', ')} }`].join(', ')})`;
  }

  const rewritten = text(file);
  if (refusal) return { ok: false, sentence: refusal(rewritten.trim()) };
  return { ok: true, code: forms.size > 0 ? rewritten : code, forms: [...forms] };

  /** `x.promiseRequest("Another_Node")` where a variable holds the node called Another_Node. */
  function nodeGivenByName(node: ts.CallExpression | ts.NewExpression, args: ts.Expression[]): { method: string; name: string; variable: string } | null {
    if (!ts.isPropertyAccessExpression(node.expression) || args.length !== 1 || !ts.isStringLiteralLike(args[0]!)) return null;
    const property = node.expression.name.text;
    const method = SNAKE_METHODS[property] ?? property;
    if (method !== 'promiseRequest' && method !== 'acceptRequest') return null;
    const name = args[0].text;
    const variable = nodeVariable(name);
    // With no such variable, the core's own sentence says what to write.
    return variable === null ? null : { method, name, variable };
  }
}

type Keyword = ts.BinaryExpression & { readonly left: ts.Identifier };

/** `quorum=3` inside a call: a keyword argument in Python, an assignment in JavaScript. */
function isKeyword(a: ts.Expression): a is Keyword {
  return ts.isBinaryExpression(a) && a.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(a.left);
}
