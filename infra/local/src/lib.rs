//! riv's embedded adapters: durable local queues and routing, object store, profile store and face collection over the face engine.
