/** Removes a `user:password@` part so a URL can be logged or shown in an error. */
export function redactUrl(url: string): string {
  // Greedy up to the last @ of the authority: passwords may contain @ themselves.
  return String(url).replace(/^(\s*(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/)?)[^/?#\s]*@/, '$1');
}
