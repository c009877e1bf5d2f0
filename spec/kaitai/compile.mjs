// Compiles the specs with the official Kaitai Struct compiler into the Python
// reference decoders the tests use: spec/quicx.ksy (the wire format) into
// tests/reference/quicx_frame.py and spec/journal.ksy (the daemon's journal)
// into tests/reference/quicx_journal.py.
//
// Run from the repository root, after `npm ci --prefix spec/kaitai`:
//
//   node spec/kaitai/compile.mjs           write the decoders
//   node spec/kaitai/compile.mjs --check   write nothing; exit 1 when one is stale
//
// Any compiler error or warning, in either spec, fails the run (exit 1) and
// is printed.
//
// The compiler's JavaScript build checks the spec, then throws on the first
// error and silently drops every warning. To see them all, this script loads
// the pinned compiler's source with one line added at the point where it
// holds the list of problems, handing each one to a callback here. The line
// is added only where the expected text occurs exactly once, and the script
// refuses to run against any compiler version but the pinned one.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import yaml from "js-yaml";

const COMPILER_VERSION = "0.11.0";
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// Each spec, the file the compiler names its parser, and where it goes.
const TARGETS = [
  { spec: "spec/quicx.ksy", compiled: "quicx_frame.py" },
  { spec: "spec/journal.ksy", compiled: "quicx_journal.py" },
].map((target) => ({
  ...target,
  output: join(ROOT, "tests", "reference", target.compiled),
  header: [
    `# Generated from ${target.spec} by kaitai-struct-compiler ${COMPILER_VERSION}; do not edit.`,
    "# Regenerate with: node spec/kaitai/compile.mjs",
    "# mypy: ignore-errors",
    "",
  ].join("\n"),
}));

// Where the compiler holds every problem it found in the spec, errors and
// warnings alike, just before it throws on the first error.
const PROBLEMS_ANCHOR = "var problems = $as_sc_Iterable(problems$2);";
const PROBLEMS_HOOK =
  "$n(problems).foreach__F1__V(new $c_sjsr_AnonFunction1(" +
  "(p) => globalThis.__quicxKaitaiProblem($n(p).message__T())));";

class Failure extends Error {}

function loadCompiler() {
  const require = createRequire(import.meta.url);
  const path = require.resolve("kaitai-struct-compiler");
  const source = readFileSync(path, "utf8");
  const parts = source.split(PROBLEMS_ANCHOR);
  if (parts.length !== 2) {
    throw new Failure(
      `${path}: expected the problem list exactly once, found it ` +
        `${parts.length - 1} times; is this kaitai-struct-compiler ` +
        `${COMPILER_VERSION}? Run npm ci --prefix spec/kaitai.`,
    );
  }
  const patched = parts.join(`${PROBLEMS_ANCHOR}\n${PROBLEMS_HOOK}`);
  const module = { exports: {} };
  new Function("module", "exports", patched)(module, module.exports);
  const compiler = module.exports;
  if (compiler.version !== COMPILER_VERSION) {
    throw new Failure(
      `kaitai-struct-compiler is ${compiler.version}, the project pins ` +
        `${COMPILER_VERSION}; run npm ci --prefix spec/kaitai.`,
    );
  }
  return compiler;
}

// The specs import nothing; an import appearing in one is a mistake here.
const refuseImports = {
  importYaml(name) {
    return Promise.reject(
      new Failure(`the spec imports ${name}; imports are not supported`),
    );
  },
};

async function compile(compiler, target, spec) {
  const problems = [];
  globalThis.__quicxKaitaiProblem = (message) => problems.push(message);
  let files;
  try {
    files = await compiler.compile("python", spec, refuseImports, false);
  } catch (error) {
    if (problems.length === 0) {
      problems.push(String(error?.message ?? error));
    }
  } finally {
    delete globalThis.__quicxKaitaiProblem;
  }
  if (problems.length > 0) {
    const list = problems.map((p) => p.trimEnd()).join("\n");
    throw new Failure(`the compiler reported problems in ${target.spec}:\n${list}`);
  }
  const names = Object.keys(files);
  if (names.length !== 1 || names[0] !== target.compiled) {
    throw new Failure(`expected the compiler to write ${target.compiled}, got ${names}`);
  }
  return target.header + files[target.compiled];
}

// Compile one target; return 0 when its decoder is (now) up to date, 1 when
// it is stale and only checked.
async function build(compiler, target, check) {
  const path = join(ROOT, target.spec);
  const spec = yaml.load(readFileSync(path, "utf8"), { filename: path });
  const generated = await compile(compiler, target, spec);
  const shown = relative(process.cwd(), target.output);
  if (readOrNull(target.output) === generated) {
    console.log(`${shown} is up to date`);
    return 0;
  }
  if (check) {
    console.error(
      `${shown} is stale: it differs from what ${target.spec} compiles to; ` +
        "run node spec/kaitai/compile.mjs (or nox -s generate) and commit it",
    );
    return 1;
  }
  mkdirSync(dirname(target.output), { recursive: true });
  writeFileSync(target.output, generated);
  console.log(`wrote ${shown}`);
  return 0;
}

function readOrNull(path) {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (error.code === "ENOENT") {
      return null;
    }
    throw error;
  }
}

async function main(argv) {
  const check = argv.includes("--check");
  const unknown = argv.filter((arg) => arg !== "--check");
  if (unknown.length > 0) {
    throw new Failure(`unknown arguments: ${unknown.join(" ")}; usage: compile.mjs [--check]`);
  }
  const compiler = loadCompiler();
  let status = 0;
  for (const target of TARGETS) {
    status = Math.max(status, await build(compiler, target, check));
  }
  return status;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof Failure || error instanceof yaml.YAMLException)) {
    throw error;
  }
  console.error(`compile.mjs: ${error.message}`);
  process.exitCode = 1;
}
