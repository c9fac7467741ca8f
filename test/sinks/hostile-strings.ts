/** Strings that try to break out of a literal, plus the characters each dialect treats specially. */
export const HOSTILE_STRINGS = [
  '',
  "' OR 1=1 --",
  "'; DROP TABLE t; --",
  "\\'",
  "\\\\' OR 1=1 --",
  'back\\slash\\',
  'tab\tnew\nline\rcr',
  'nul\x00byte',
  'bell\x07 esc\x1b del\x7f',
  'é ñ 中文 😀 \u2028 \u{10FFFF}',
  '"double" `back` $1 ? :name',
  '/* comment */ -- line',
  '\\x41 \\n \\0',
];
