/**
 * Characters that show as nothing or only steer how text is shown: Unicode format characters (Cf:
 * zero-width space and joiners, soft hyphen, bidi controls and overrides, BOM, tags) and the other
 * default-ignorable code points (variation selectors, Hangul fillers, the combining grapheme joiner).
 * In an address they make one mailbox look like many; in a payee, one shop look like another.
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

/** The first invisible or formatting character in `text`, named as `U+200B`; undefined when none. */
export function invisibleCharacterIn(text: string): string | undefined {
  const found = INVISIBLE.exec(text)?.[0];
  if (found === undefined) return undefined;
  return `U+${found.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
