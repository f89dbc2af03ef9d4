/**
 * Public surface of the ingest stage (raw page or record -> DocumentInput).
 *
 * Owns: the re-exports only. Must not: contain logic.
 */
export { extractArticle, fromRecord, checkDuplicate, seedDetector, placesOf, searchableLength, DEFAULT_MAPPING } from './article.js';
export { enrichDocument } from './enrich.js';
export type { EnrichOptions } from './enrich.js';
export type { ArticleInput, Extracted, ExtractResult, FieldMapping } from './article.js';
export { ArticleConverter } from './article-converter.js';
export { decodeBytes, checkText, binaryReason } from './decode.js';
export type { Decoded, TextEncodingName } from './decode.js';
export { htmlToText, htmlTitle, looksLikeHtml } from './html.js';
export type { HtmlHints, HtmlText } from './html.js';
export { cleanPage, cleanRecordText, preprocess, splitDateline } from './clean.js';
export type { CleanOptions, CleanResult } from './clean.js';
export { findPublicationDate, findDates, normalizeDate, isValidDate, formatDate } from './date.js';
export type { DateContext, DateMention } from './date.js';
export { findAttribution } from './source.js';
export type { Attribution, AttributionInput } from './source.js';
export { findRegions, analyzeRegions, selectRegions, lookupRegion, regionByCode, regionAncestors, warmUpGazetteer } from '../analysis/regions.js';
export type { RegionHit } from '../analysis/regions.js';
export { findLibraries } from './libraries.js';
export { DuplicateDetector, fingerprintText, simhash, hammingDistance } from './dedupe.js';
export type { DuplicateCheck } from './dedupe.js';
export { MAX_DOCUMENT_CHARS, MIN_BODY_CHARS, reject } from './types.js';
export type { RejectReason, Rejection } from './types.js';
