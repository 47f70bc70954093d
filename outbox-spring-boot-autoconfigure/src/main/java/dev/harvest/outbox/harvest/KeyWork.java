package dev.harvest.outbox.harvest;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What a key needs from the database before it can go on, as the {@link KeyScheduler} saw it
 * when the marker took the work: the rows of the key in memory at that moment, in id order.
 *
 * @param kind what is to be done
 * @param key the key
 * @param poisoned the record that cannot be published, for {@link Kind#DECIDE}
 * @param ids the ids of the key's queued records
 */
record KeyWork(Kind kind, RecordKey key, @Nullable ScheduledRecord poisoned, List<Long> ids) {

	KeyWork {
		ids = List.copyOf(ids);
	}

	/**
	 * What a key needs.
	 */
	enum Kind {

		/** Apply the poison policy to a record that cannot be published. */
		DECIDE,

		/** Move rows of a parked key to quarantine. */
		PARK,

		/** Take the leader id off rows of a held key, which are not to be published yet. */
		UNMARK,

		/** Let go of a key that quarantine no longer holds. */
		RELEASE

	}

}
