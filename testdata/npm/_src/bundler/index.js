module.exports = require('is-odd');
