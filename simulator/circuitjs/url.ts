/** Paul Falstad's copy of the app; it opens the text format as well as its own XML. */
export const CIRCUITJS_APP = 'https://www.falstad.com/circuit/circuitjs.html';

/**
 * The URL that opens `text` in the CircuitJS web app, as `?cct=` (the circuit in plain text; `?ctz=` would need
 * lz-string). The app splits the query on `&` and `=`, takes the value through GWT's `URL.decode` (the browser's
 * `decodeURI`, which leaves `%24` `%26` `%2B` `%3A` … encoded) and then turns `%24` back into `$`. So a character
 * `decodeURI` would not decode is written as it is (`:`, `/`, `,` are safe in a query), `$` becomes `%24`, and `&`,
 * `=`, `#` and `+` cannot be carried at all (the element texts escape them: `\q`, `\h`, `\p`, `\a`).
 */
export function circuitJsUrl(text: string, app = CIRCUITJS_APP): string {
  let out = '';
  for (const c of text) {
    if (/[A-Za-z0-9\-_.!~*'():/?@,;]/.test(c)) out += c;
    else if (c === '$') out += '%24';
    else if ('&=#+'.includes(c)) throw new RangeError(`a ${c} cannot be carried in a CircuitJS cct= URL`);
    else out += encodeURIComponent(c);
  }
  return `${app}?cct=${out}`;
}

/** What the app reads back from such a URL (`QueryParameters`, then `cct.replace("%24", "$")`): for tests. */
export function circuitFromUrl(url: string): string | undefined {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1).split('#')[0]! : '';
  for (const pair of query.split('&')) {
    const [name, value] = pair.split('=');
    if (name === 'cct' && value !== undefined) return decodeURI(value).replaceAll('%24', '$');
  }
  return undefined;
}
