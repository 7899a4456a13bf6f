"""TensorFlow: `tf.distribute` replicas (MirroredStrategy and friends)."""

import tensorflow as tf


def build_scope(model):
    """The scope variables must be created in: the model's strategy's.

    Keras records the strategy active when the model was constructed
    (`with strategy.scope(): model = AEGAN()`); the networks are built
    later, on the first `fit()`, so that is re-entered here.
    """
    return model.distribute_strategy.scope()


def replica_position():
    """`(index, count)` of the replica running this step (in-graph).

    Inside `strategy.run` each replica sees its share of the global batch;
    outside any strategy this is `(0, 1)`.
    """
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return 0, 1
    return context.replica_id_in_sync_group, context.num_replicas_in_sync


def prepare_replicas(model, data, batch_size):
    """Nothing to do: Keras's `fit()` splits each global batch itself."""
    return data, batch_size
