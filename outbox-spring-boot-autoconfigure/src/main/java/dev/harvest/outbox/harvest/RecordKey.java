package dev.harvest.outbox.harvest;

/**
 * What per-key order is kept for: a record key within its topic.
 *
 * @param topic the Kafka topic
 * @param key the record key
 */
record RecordKey(String topic, String key) {

	/**
	 * Returns the shard this key is sent through; stable for the life of the process.
	 * @param shards the number of shards
	 * @return the shard index
	 */
	int shard(int shards) {
		int hash = 31 * this.topic.hashCode() + this.key.hashCode();
		// Spread the bits (murmur3's finaliser) so that similar keys do not share shards.
		hash ^= hash >>> 16;
		hash *= 0x85ebca6b;
		hash ^= hash >>> 13;
		hash *= 0xc2b2ae35;
		hash ^= hash >>> 16;
		return Math.floorMod(hash, shards);
	}

	@Override
	public String toString() {
		return "key '" + this.key + "' of topic '" + this.topic + "'";
	}

}
