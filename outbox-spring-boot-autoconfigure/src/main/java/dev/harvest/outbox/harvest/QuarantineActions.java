package dev.harvest.outbox.harvest;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.util.Assert;

import dev.harvest.outbox.jdbc.HeldKeyView;
import dev.harvest.outbox.jdbc.Page;
import dev.harvest.outbox.jdbc.QuarantineActionResult;
import dev.harvest.outbox.jdbc.QuarantineActionResult.Action;
import dev.harvest.outbox.jdbc.QuarantineStore;
import dev.harvest.outbox.jdbc.QuarantinedRow;

/**
 * What an operator can do with the quarantine: list its rows and held keys, retry a row,
 * release a key or replay it. Each action is logged and counted, and a leader in this process
 * takes it up at once; a leader elsewhere does at its next check of the held keys.
 */
public final class QuarantineActions {

	private final QuarantineStore store;

	private final Harvester harvester;

	private final Map<Action, AtomicLong> counts = new EnumMap<>(Action.class);

	/**
	 * Creates the actions.
	 * @param store the quarantine table
	 * @param harvester the harvester of this process, told when a key may go on
	 */
	public QuarantineActions(QuarantineStore store, Harvester harvester) {
		Assert.notNull(store, "'store' must not be null");
		Assert.notNull(harvester, "'harvester' must not be null");
		this.store = store;
		this.harvester = harvester;
		for (Action action : Action.values()) {
			this.counts.put(action, new AtomicLong());
		}
	}

	/**
	 * Lists the rows in quarantine, ordered by id.
	 * @param page the page number, from 0
	 * @param size the most rows per page
	 * @return the page
	 * @throws IllegalArgumentException when the page or size is out of range
	 */
	public Page<QuarantinedRow> rows(int page, int size) {
		return this.store.list(page, size);
	}

	/**
	 * Lists the held keys, ordered by the id of the row that holds them.
	 * @param page the page number, from 0
	 * @param size the most keys per page
	 * @return the keys
	 * @throws IllegalArgumentException when the page or size is out of range
	 */
	public List<HeldKeyView> heldKeys(int page, int size) {
		return this.store.listHeldKeys(page, size);
	}

	/**
	 * Moves a row back into the outbox with its original id.
	 * @param id the row id
	 * @return what was done
	 * @throws IllegalArgumentException when no row with that id is in quarantine
	 */
	public QuarantineActionResult retry(long id) {
		return performed(this.store.retry(id));
	}

	/**
	 * Lets a held key's later rows be published without its quarantined rows.
	 * @param topic the Kafka topic
	 * @param key the record key
	 * @return what was done
	 * @throws IllegalArgumentException when the key is not held
	 */
	public QuarantineActionResult release(String topic, String key) {
		return performed(this.store.release(topic, key));
	}

	/**
	 * Moves all of a key's quarantined rows back into the outbox in id order.
	 * @param topic the Kafka topic
	 * @param key the record key
	 * @return what was done
	 * @throws IllegalArgumentException when the key has no rows in quarantine
	 */
	public QuarantineActionResult replay(String topic, String key) {
		return performed(this.store.replay(topic, key));
	}

	/**
	 * Returns how often an action was carried out in this process.
	 * @param action the action
	 * @return the count
	 */
	public long count(Action action) {
		return this.counts.get(action).get();
	}

	private QuarantineActionResult performed(QuarantineActionResult result) {
		// The store has logged what it did.
		this.counts.get(result.action()).incrementAndGet();
		this.harvester.checkHeldKeys();
		this.harvester.wakeUp();
		return result;
	}

}
