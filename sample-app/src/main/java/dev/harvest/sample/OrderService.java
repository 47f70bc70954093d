package dev.harvest.sample;

import java.math.BigDecimal;
import java.time.Instant;

import org.springframework.context.annotation.Profile;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.harvest.outbox.OutboxStasher;

/**
 * Places orders: saves the order and stashes its {@link OrderPlaced} event in one transaction,
 * so the event is published if and only if the order is saved.
 */
@Service
@Profile("!reaper")
public class OrderService {

	/** Topic the order events are published to. */
	public static final String TOPIC = "orders.placed";

	private final JdbcClient jdbc;

	private final OutboxStasher stasher;

	public OrderService(JdbcClient jdbc, OutboxStasher stasher) {
		this.jdbc = jdbc;
		this.stasher = stasher;
	}

	/**
	 * Places an order.
	 * @param customer who orders
	 * @param amount how much; must be positive
	 * @return the event that will be published
	 * @throws InvalidOrderException when the amount is not positive; nothing is saved or
	 * published then
	 */
	@Transactional
	public OrderPlaced place(String customer, BigDecimal amount) {
		Instant now = Instant.now();
		long id = this.jdbc.sql("INSERT INTO orders (customer, amount, created_at) VALUES (?, ?, ?) RETURNING id")
			.params(customer, amount, java.sql.Timestamp.from(now))
			.query(Long.class)
			.single();
		OrderPlaced event = new OrderPlaced(id, customer, amount, now);
		this.stasher.stash(TOPIC, customer, event);
		// Checked after the writes on purpose: the rollback must take the order and the
		// outbox row away together.
		if (amount.signum() <= 0) {
			throw new InvalidOrderException("Order amount must be positive, was " + amount);
		}
		return event;
	}

}
