package dev.harvest.sample;

import java.math.BigDecimal;
import java.util.List;

import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /orders} places an order; {@code GET /orders/events} shows the order events read
 * back from Kafka.
 */
@RestController
@Profile("!reaper")
public class OrderController {

	private final OrderService orders;

	private final PublishedOrderEvents events;

	public OrderController(OrderService orders, PublishedOrderEvents events) {
		this.orders = orders;
		this.events = events;
	}

	@PostMapping("/orders")
	@ResponseStatus(HttpStatus.CREATED)
	public OrderPlaced place(@RequestBody OrderRequest request) {
		return this.orders.place(request.customer(), request.amount());
	}

	@GetMapping("/orders/events")
	public List<PublishedOrderEvents.Received> events() {
		return this.events.latest();
	}

	/**
	 * A request to place an order.
	 *
	 * @param customer who orders
	 * @param amount how much
	 */
	public record OrderRequest(String customer, BigDecimal amount) {

	}

}
