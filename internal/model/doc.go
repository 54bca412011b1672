// Package model holds plansync's domain types: the desired state read from
// config (plans, services, accounts, subscriptions), the value syntax of the
// config language (sizes, counts, durations, dates, secret references) and
// the property catalogue that says, for every property path, its type, how
// add-ons combine it, which server component a value needs and which
// permission lets a subscriber change it.
//
// It imports nothing of plansync but diag: loaders build these types,
// the planning engine reads them, renderers format their values.
package model
