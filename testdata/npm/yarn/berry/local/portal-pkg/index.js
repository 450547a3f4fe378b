module.exports = require('is-plain-obj');
