export { sealPlaceholder, openPlaceholder, isPlaceholder, PLACEHOLDER_MARKER } from './placeholder.js';
