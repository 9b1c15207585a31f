"""textkit: small text parsing and formatting utilities."""

from textkit.case import slugify, split_words, to_camel, to_kebab, to_pascal, to_snake, to_title
from textkit.query import QuerySyntaxError, Term, matches, tokenize
from textkit.stats import TextStats, average_word_length, most_common, sentence_count, summarize, word_count, words
from textkit.template import TemplateError, escape_html, placeholders, render
from textkit.wrap import align, fill, justify, truncate, wrap

__all__ = [
    "QuerySyntaxError",
    "TemplateError",
    "Term",
    "TextStats",
    "align",
    "average_word_length",
    "escape_html",
    "fill",
    "justify",
    "matches",
    "most_common",
    "placeholders",
    "render",
    "sentence_count",
    "slugify",
    "split_words",
    "summarize",
    "to_camel",
    "to_kebab",
    "to_pascal",
    "to_snake",
    "to_title",
    "tokenize",
    "truncate",
    "word_count",
    "words",
    "wrap",
]
