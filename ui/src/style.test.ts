// The stylesheet's own rules (README "Layout"): every colour is a token in the one :root block, so a theme
// overrides that block and nothing else; every var() names a token defined there, and none is left unused;
// each breakpoint has one @media section.

import { describe, expect, test } from "vitest";
import css from "./style.css?raw";

const sheet = css.replace(/\/\*[\s\S]*?\*\//g, "");
const rootStart = sheet.indexOf(":root {");
const rootEnd = sheet.indexOf("}", rootStart) + 1;
const rootBlock = sheet.slice(rootStart, rootEnd);
const rest = sheet.slice(0, rootStart) + sheet.slice(rootEnd);

/** Every `property: value` outside :root (selectors and at-rule preludes left out). */
const declarations = [...rest.matchAll(/([a-z-]+)\s*:\s*([^;{}]+);/g)].map((m) => ({ prop: m[1] ?? "", value: (m[2] ?? "").trim() }));

const COLOUR_FUNCTION = /\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color|color-mix)\(/;
const HEX = /#[0-9a-f]{3,8}\b/i;
const NAMED =
  /\b(?:white|black|red|green|blue|gr[ae]y|orange|yellow|purple|pink|brown|navy|silver|maroon|teal|olive|lime|aqua|fuchsia|gold|tomato|crimson)\b/i;

/** The value with its var(--token) references taken out: what is left must hold no colour. */
const literalPart = (value: string): string => value.replace(/var\(--[a-z0-9-]+\)/g, "");

describe("style.css", () => {
  test("finds the token block and declarations to check", () => {
    expect(rootStart).toBeGreaterThanOrEqual(0);
    expect(rootBlock).toContain("--text:");
    expect(declarations.length).toBeGreaterThan(100);
  });

  test("no colour is written outside the :root token block", () => {
    const raw = declarations
      .filter((d) => !d.prop.startsWith("--"))
      .filter((d) => {
        const v = literalPart(d.value);
        return HEX.test(v) || COLOUR_FUNCTION.test(v) || NAMED.test(v);
      })
      .map((d) => `${d.prop}: ${d.value}`);
    expect(raw).toEqual([]);
  });

  test("tokens are defined in :root only", () => {
    expect(declarations.filter((d) => d.prop.startsWith("--")).map((d) => d.prop)).toEqual([]);
  });

  test("every var() is a token defined in :root, and every token is used", () => {
    const defined = new Set([...rootBlock.matchAll(/(--[a-z0-9-]+)\s*:/g)].map((m) => m[1]));
    const used = new Set([...sheet.matchAll(/var\((--[a-z0-9-]+)\)/g)].map((m) => m[1]));
    expect([...used].filter((t) => !defined.has(t))).toEqual([]);
    expect([...defined].filter((t) => !used.has(t))).toEqual([]);
  });

  test("each breakpoint has one @media section", () => {
    const queries = [...sheet.matchAll(/@media\s*([^{]+)\{/g)].map((m) => (m[1] ?? "").trim());
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.filter((q, i) => queries.indexOf(q) !== i)).toEqual([]);
  });
});
