/**
 * Saved searches, kept per tenant in this browser (localStorage). The API has no saved-search resource
 * yet; when it lands, this module is the one place to switch.
 */
import type { SavedSearch } from "../api/types.ts";

const key = (tenantId: string) => `tf-saved-searches:${tenantId}`;

export function loadSavedSearches(tenantId: string): SavedSearch[] {
  try {
    const raw = localStorage.getItem(key(tenantId));
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? (parsed as SavedSearch[]) : [];
  } catch {
    return [];
  }
}

export function saveSearch(tenantId: string, name: string, query: string): SavedSearch[] {
  const list = loadSavedSearches(tenantId).filter((s) => s.name !== name);
  list.push({ id: `${Date.now().toString(36)}`, name, query });
  localStorage.setItem(key(tenantId), JSON.stringify(list));
  return list;
}

export function deleteSavedSearch(tenantId: string, id: string): SavedSearch[] {
  const list = loadSavedSearches(tenantId).filter((s) => s.id !== id);
  localStorage.setItem(key(tenantId), JSON.stringify(list));
  return list;
}
