/**
 * Every item of a list Patron pages by cursor (startAfter = the last item's id or gameballId),
 * page after page, until a page says `hasMore: false`. Pages are fetched as the caller iterates,
 * so breaking out early fetches nothing more.
 */
export async function* paged<Page extends { hasMore: boolean }, Item>(
  fetchPage: (startAfter: number) => Promise<Page>,
  itemsOf: (page: Page) => Item[],
  cursorOf: (item: Item) => number,
): AsyncGenerator<Item, void, undefined> {
  let startAfter = 0;
  for (;;) {
    const page = await fetchPage(startAfter);
    const items = itemsOf(page);
    yield* items;
    const last = items.at(-1);
    // An empty page that claims more would loop for ever: stop.
    if (!page.hasMore || last === undefined) return;
    startAfter = cursorOf(last);
  }
}
