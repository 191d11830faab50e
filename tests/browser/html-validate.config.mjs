// html-validate configuration for the browser tests' HTML validity check.
//
// Base: the "recommended" preset (validity, content model, accessibility and best-practice
// rules). Switched off are only the rules that are purely about how the source is written, not
// about what the document means or how it behaves:
//
//   doctype-style           wants "<!DOCTYPE html>" upper-case; the doctype is case-insensitive
//                           and "<!doctype html>" is what the HTML standard itself uses.
//   no-trailing-whitespace  spaces at the end of source lines, left by template tags; invisible
//                           in the rendered page.
//   no-implicit-input-type  wants type="text" written out; an <input> without type *is* a text
//                           input by definition, so this is source style only.
//   long-title              an SEO length hint (70 characters) for <title>; a story's title is
//                           its headline, whose length comes from the outlets' headlines.
//
// TEMPORARY_ALLOWLIST: real findings reported to the owner of crates/roundup-web/templates/;
// they are kept on but downgraded to warnings (printed on every run) so CI stays green until
// the templates are fixed. Remove an entry as soon as its fix lands.
//
//   no-redundant-role       base.html: role="banner" on the page <header> and role="contentinfo"
//                           on the page <footer> repeat their implicit roles, which ARIA in HTML
//                           says authors should not do. Fix: drop both role attributes.

/** Rule ids downgraded to warnings until the templates are fixed. */
export const TEMPORARY_ALLOWLIST = [];

/** Purely stylistic rules switched off (see above). */
export const STYLISTIC_OFF = ['doctype-style', 'no-trailing-whitespace', 'no-implicit-input-type', 'long-title'];

const rules = {};
for (const id of STYLISTIC_OFF) rules[id] = 'off';
for (const id of TEMPORARY_ALLOWLIST) rules[id] = 'warn';

/** The configuration passed to `new HtmlValidate(...)`. */
export default {
  extends: ['html-validate:recommended'],
  rules,
};
