/**
 * Writes key/value entries as a config file in each of the eight formats the snapshot redacts,
 * the way people write them: quoted where the format needs quotes, multi-line values in the
 * format's own multi-line syntax (YAML block scalars, TOML and Python triple quotes, INI
 * continuation lines, .properties backslashes, quoted .env and .conf values).
 */

export type Entry = readonly [key: string, value: string];

export const FORMATS = ['yaml', 'json', 'toml', 'ini', 'env', 'properties', 'py', 'conf'] as const;
export type Format = (typeof FORMATS)[number];

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function tomlKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k);
}

/** A config file of `format` holding `entries`. */
export function configFile(format: Format, entries: readonly Entry[]): string {
  const lines: string[] = [];
  switch (format) {
    case 'yaml':
      lines.push('# trading app', 'app:');
      for (const [k, v] of entries) {
        if (v.includes('\n')) lines.push(`  ${k}: |`, ...v.split('\n').map((l) => `    ${l}`));
        else lines.push(`  ${k}: ${JSON.stringify(v)}`);
      }
      break;
    case 'json':
      return `${JSON.stringify({ app: Object.fromEntries(entries) }, null, 2)}\n`;
    case 'toml':
      lines.push('[app]');
      for (const [k, v] of entries) {
        if (v.includes('\n')) lines.push(`${tomlKey(k)} = """`, ...v.split('\n'), '"""');
        else lines.push(`${tomlKey(k)} = ${JSON.stringify(v)}`);
      }
      break;
    case 'ini':
      lines.push('[app]');
      for (const [k, v] of entries) {
        const [first, ...rest] = v.split('\n');
        lines.push(`${k} = ${first}`, ...rest.map((l) => `    ${l}`));
      }
      break;
    case 'env':
      for (const [k, v] of entries)
        lines.push(`${k.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
      break;
    case 'properties':
      for (const [k, v] of entries) {
        const parts = v.split('\n');
        lines.push(...parts.map((l, i) => `${i === 0 ? `${k}=` : '    '}${l}${i < parts.length - 1 ? '\\' : ''}`));
      }
      break;
    case 'py': {
      const dict: string[] = [];
      for (const [k, v] of entries) {
        const lit = v.includes('\n') ? `"""${v}"""` : JSON.stringify(v);
        if (IDENT.test(k)) lines.push(`${k.toUpperCase()} = ${lit}`);
        else dict.push(`    ${JSON.stringify(k)}: ${lit},`);
      }
      if (dict.length > 0) lines.push('EXTRA = {', ...dict, '}');
      break;
    }
    case 'conf':
      lines.push('# nginx-style', 'app {');
      for (const [k, v] of entries) lines.push(`    ${k} = "${v.replace(/"/g, '\\"')}";`);
      lines.push('}');
      break;
  }
  return `${lines.join('\n')}\n`;
}
