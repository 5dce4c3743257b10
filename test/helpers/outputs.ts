/** A code cell's output as nbformat stores it (on disk, or from JupyterLab's model with toJSON()). */
export interface NotebookOutput {
  output_type: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}

/** The text a notebook test matches its patterns against: streams and every MIME bundle (JSON ones stringified). */
export function outputsText(outs: NotebookOutput[]): string {
  return outs.map((o) => [o.text, ...Object.values(o.data ?? {})].flat().map((v) => (typeof v === "string" || v === undefined ? (v ?? "") : JSON.stringify(v))).join("")).join("\n");
}

/** The outputs of type error, as "name: value". */
export function errorOutputsOf(outs: NotebookOutput[]): string[] {
  return outs.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`);
}
