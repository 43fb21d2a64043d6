import { createPythonApp, type PythonBoardApp } from '../python/python-app.js';

/** Python written indented inside a test: the common indentation is removed. */
export function dedent(source: string): string {
  const lines = source.replace(/^\n/, '').split('\n');
  const indents = lines.filter((line) => line.trim() !== '').map((line) => line.length - line.trimStart().length);
  const common = Math.min(...indents);
  return lines.map((line) => line.slice(common)).join('\n');
}

/** A Python app from inline source, named `app.py` in tracebacks. */
export function pythonApp(source: string, filename = 'app.py'): PythonBoardApp {
  return createPythonApp(dedent(source), filename);
}
