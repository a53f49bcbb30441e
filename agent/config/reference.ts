import { configLeaves } from './keys.ts';

/** Said of every file key, as `load.ts` resolves them. */
const RELATIVE_NOTE = "A relative path is taken from the configuration file's folder.";

/** The configuration reference as a Markdown table, generated from the schema so the README cannot drift. */
export function configReferenceMarkdown(): string {
  const rows = configLeaves({ lists: true }).map((leaf) => {
    const inList = leaf.path.some((segment) => segment.endsWith('[]'));
    const env = inList ? '' : `\`${leaf.env}\``;
    const meaning = leaf.file ? `${leaf.description} ${RELATIVE_NOTE}` : leaf.description;
    return `| \`${leaf.path.join('.')}\` | ${formatDefault(leaf.default)} | ${escapePipes(meaning)} | ${env} |`;
  });
  return ['| Key | Default | Meaning | Environment |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function formatDefault(value: unknown): string {
  return value === undefined ? '—' : `\`${JSON.stringify(value)}\``;
}

function escapePipes(text: string): string {
  return text.replace(/\|/g, '\\|');
}
