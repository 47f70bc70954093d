package dev.harvest.outbox.harvest;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.harvest.outbox.harvest.Pipeline.ShardTask;
import dev.harvest.outbox.kafka.KafkaSenderShard;
import dev.harvest.outbox.neli.LeaderElection;

/**
 * A shard thread: sends the records its buffer receives through the shard's own producer,
 * only while the election grants a valid lease, and rebuilds the producer when it failed for
 * good. It may block in a send (up to the producer's {@code max.block.ms}); no other thread
 * waits for it.
 */
final class ShardSender implements Runnable {

	private static final Log logger = LogFactory.getLog(ShardSender.class);

	private final KafkaSenderShard shard;

	private final Pipeline pipeline;

	private final LeaderElection election;

	private final String name;

	ShardSender(KafkaSenderShard shard, Pipeline pipeline, LeaderElection election, String name) {
		this.shard = shard;
		this.pipeline = pipeline;
		this.election = election;
		this.name = name;
	}

	@Override
	public void run() {
		int index = this.shard.index();
		try {
			while (true) {
				ShardTask task = this.pipeline.nextShardTask(index, hasValidLease());
				try {
					switch (task.kind()) {
						case SHUTDOWN -> {
							return;
						}
						case RECHECK_LEASE -> {
							// Look at the lease again on the next turn.
						}
						case ABORT -> {
							logger.warn("Harvester '" + this.name + "' aborts what the producer of shard " + index
									+ " still holds, as it no longer leads");
							this.shard.abort();
							this.pipeline.rebuilt(index, this.shard.generation());
						}
						case REBUILD -> {
							logger.info("Harvester '" + this.name + "' rebuilds the producer of shard " + index);
							this.shard.rebuild();
							this.pipeline.rebuilt(index, this.shard.generation());
						}
						case SEND -> send(index, task);
					}
				}
				catch (RuntimeException ex) {
					this.pipeline.recordError("Shard " + index + " failed", ex);
					logger.error("Shard " + index + " of harvester '" + this.name + "' failed; carrying on", ex);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			this.shard.close();
		}
	}

	private void send(int index, ShardTask task) {
		ScheduledRecord record = task.record();
		int generation = task.producerGeneration();
		this.shard.send(record.row(), record.sentEpoch(),
				(metadata, failure) -> this.pipeline.completed(index, record, generation, failure));
	}

	private boolean hasValidLease() {
		try {
			return this.election.hasValidLease();
		}
		catch (RuntimeException ex) {
			logger.warn("Harvester '" + this.name + "' could not ask the election for its lease", ex);
			return false;
		}
	}

}
