"""The engine every estimator runs on: data backends, validation, initialization, layers,
loss history, stopping, the one fit driver, and persistence. Private to deepnmf; inside the
package its names without a leading underscore are the internal API."""
