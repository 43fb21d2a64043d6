export interface ConfigIssue {
  /** Key path, `boards[1].baudRate`, or '' for the whole document. */
  path: string;
  message: string;
  /** 1-based position in the file, when the parser knows it. */
  line?: number;
  column?: number;
}

/** A bench config that cannot be used; the message has one line per issue, each naming the source. */
export class ConfigError extends Error {
  override name = 'ConfigError';

  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map((issue) => formatIssue(source, issue)).join('\n'), options);
  }
}

function formatIssue(source: string, issue: ConfigIssue): string {
  const where = issue.line === undefined ? source : `${source}:${issue.line}${issue.column === undefined ? '' : `:${issue.column}`}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}
