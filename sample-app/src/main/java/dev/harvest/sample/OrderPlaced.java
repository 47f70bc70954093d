package dev.harvest.sample;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * The event published when an order is placed.
 *
 * @param orderId the order id
 * @param customer who ordered
 * @param amount how much
 * @param placedAt when
 */
public record OrderPlaced(long orderId, String customer, BigDecimal amount, Instant placedAt) {

}
