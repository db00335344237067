// Types for @pushcorn/hocon-parser (ships none), used only as an independent HOCON oracle.
declare module '@pushcorn/hocon-parser' {
  const parser: { parse(options: { url?: string; text?: string }): Promise<unknown> };
  export default parser;
}
