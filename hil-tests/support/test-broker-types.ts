// The tests' broker is the one campaigns start too (bridge/broker/mosquitto/).
export type { LocalBroker as TestBroker, LocalBrokerOptions as TestBrokerOptions } from '../../bridge/broker/mosquitto/local-broker.js';
