package dev.harvest.outbox.membership;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * Memberships and members for tests.
 */
final class Members {

	private Members() {
	}

	static GroupMember member(String name, boolean leader) {
		return new GroupMember("member-" + name, "harvest-neli-" + name, "/10.0.0.1", null, name,
				leader ? List.of("leader-0") : List.of(), leader, false);
	}

	static Membership membership(GroupMember... members) {
		return new Membership("group", "STABLE", "broker:9092", Arrays.asList(members), null, null, Instant.EPOCH,
				null);
	}

}
