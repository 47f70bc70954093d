package dev.harvest.outbox.jdbc;

import java.util.List;

/**
 * One page of a listing ordered by id.
 *
 * @param <T> the type of the items
 * @param items the items of the page
 * @param page the page number, from 0
 * @param size the most items a page holds
 * @param total how many items all pages hold together
 */
public record Page<T>(List<T> items, int page, int size, long total) {

	public Page {
		items = List.copyOf(items);
	}

	/**
	 * Returns whether a later page has items.
	 * @return whether there is a next page
	 */
	public boolean hasNext() {
		return ((long) this.page + 1) * this.size < this.total;
	}

}
