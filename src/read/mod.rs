//! Read: the gazetteer, the dataset and the boundaries, into validated model types.
